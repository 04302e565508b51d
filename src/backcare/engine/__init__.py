"""Pure assessment logic: condition trees, triage, causes, plan and the interview state machine."""
