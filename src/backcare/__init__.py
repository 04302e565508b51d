"""backcare: triage, self-care plan and records for back spasm and acute back pain."""

__version__ = "0.1.0"
