"""FHIR export: a collection Bundle built with the ``fhir.resources`` models, which validate every
resource as it is built.

Two flavours, because ``fhir.resources`` 8 (the release that works with pydantic 2) ships R5 as
its default models and R4B (4.3, the R4 technical correction) as a sub-package:

- ``r4``: strict R4 shapes, validated with the R4B models
  (``MedicationStatement.medicationCodeableConcept``, status ``completed``).
- ``default``: validated with the package's default models. Every resource used here has the
  same shape in R4 and R5 except ``MedicationStatement``, whose medicine is a CodeableReference
  (``medication.concept``) with status ``recorded`` in R5; that is the only difference.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from importlib import import_module
from typing import Any, Literal

from backcare.export.records import Record, SavedAssessment

LOINC = "http://loinc.org"
PAIN_NRS = "72514-3"
PAIN_NRS_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
QUESTIONNAIRE_URL = "https://backcare.invalid/fhir/Questionnaire/backcare-assessment"
NAMESPACE = uuid.UUID("6f1c2b1e-8f0a-4b7e-9a55-1f3a1c0b9d21")

Flavour = Literal["r4", "default"]


def model(name: str, flavour: Flavour) -> Any:
    """The fhir.resources class for a resource, from the R4B package or the default one."""
    package = "fhir.resources.R4B" if flavour == "r4" else "fhir.resources"
    return getattr(import_module(f"{package}.{name.lower()}"), name)


def _urn(kind: str, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}:{key}')}"


def questionnaire(catalogue: list[dict[str, Any]], version: str) -> dict[str, Any]:
    items = []
    for q in catalogue:
        item: dict[str, Any] = {"linkId": q["id"], "text": q["text"]}
        if q["kind"] == "number":
            item["type"] = "decimal"
        else:
            item["type"] = "open-choice"  # every question also accepts "don't know"
            item["repeats"] = q["kind"] == "multi"
            options = [{"valueCoding": {"code": o["id"], "display": o["label"]}} for o in q["options"]]
            item["answerOption"] = [*options, {"valueCoding": {"code": "dont_know", "display": "Don't know"}}]
        items.append(item)
    return {
        "resourceType": "Questionnaire",
        "url": QUESTIONNAIRE_URL,
        "version": version,
        "status": "active",
        "name": "BackcareAssessment",
        "title": "backcare back pain assessment",
        "item": items,
    }


def _answer(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list | tuple):
        return [{"valueCoding": {"code": str(v)}} for v in value]
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    if isinstance(value, int | float):
        return [{"valueDecimal": value}]
    return [{"valueCoding": {"code": str(value)}}]


def questionnaire_response(a: SavedAssessment, patient_ref: str) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{QUESTIONNAIRE_URL}|{a.knowledge_version}",
        "status": "completed" if a.status == "complete" else "in-progress",
        "subject": {"reference": patient_ref},
        "authored": a.created_at.isoformat(),
        "item": [{"linkId": qid, "answer": _answer(value)} for qid, value in sorted(a.answers.items())],
    }


def condition(a: SavedAssessment, patient_ref: str) -> dict[str, Any] | None:
    """The possible cause the assessment ranked first, coded with ICD-10-CM, WHO ICD-10 and
    SNOMED CT where the knowledge base marks the id as verified; always provisional."""
    causes = a.result.get("possible_causes") or []
    if not causes:
        return None
    top = causes[0]
    # One coding per code system: the cause's first (main) code. Two codes of one system in one
    # CodeableConcept claim they mean the same thing, which M62.830 and M54.50 do not.
    codings = []
    for system, codes in ((ICD10CM, top.get("icd10cm")), (ICD10, top.get("icd10_who")), (SNOMED, [top.get("snomed")])):
        if codes and codes[0]:
            codings.append({"system": system, "code": codes[0], "display": top["name"]})
    return {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "provisional"}]},
        "code": {"coding": codings, "text": f"Possible: {top['name']} (self-assessment, not a diagnosis)"},
        "subject": {"reference": patient_ref},
        "recordedDate": a.created_at.isoformat(),
        "note": [{"text": f"From a backcare self-assessment; urgency {a.urgency}. Not a diagnosis."}],
    }


def pain_observation(episode: Any, patient_ref: str) -> dict[str, Any]:
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
        "code": {"coding": [{"system": LOINC, "code": PAIN_NRS, "display": PAIN_NRS_DISPLAY}]},
        "subject": {"reference": patient_ref},
        "effectiveDateTime": episode.started_at.isoformat(),
        "valueInteger": episode.pain,
    }
    if episode.locations:
        obs["bodySite"] = {"text": ", ".join(episode.locations)}
    if episode.note:
        obs["note"] = [{"text": episode.note}]
    return obs


def warning_sign_observation(episode: Any, sign: str, words: str, patient_ref: str) -> dict[str, Any]:
    """A warning sign logged in the diary: present, when the episode was logged. Coded only in
    words (``code.text``): backcare holds no verified code for these symptoms."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
        "code": {"text": words},
        "subject": {"reference": patient_ref},
        "effectiveDateTime": episode.started_at.isoformat(),
        "valueBoolean": True,
        "note": [{"text": "Logged in the backcare diary as present."}],
    }


def medication_statement(intake: Any, patient_ref: str, flavour: Flavour) -> dict[str, Any]:
    dose = f"{intake.units:g} × {intake.product}"
    if intake.contains:
        dose += " (" + ", ".join(f"{k} {v:g} mg" for k, v in intake.contains) + " each)"
    statement: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "subject": {"reference": patient_ref},
        "effectiveDateTime": intake.taken_at.isoformat(),
        "dosage": [{"text": dose}],
    }
    if flavour == "r4":
        statement.update(status="completed", medicationCodeableConcept={"text": intake.product})
    else:
        statement.update(status="recorded", medication={"concept": {"text": intake.product}})
    return statement


def bundle(
    record: Record,
    catalogue: list[dict[str, Any]],
    knowledge_version: str,
    exported_at: datetime,
    flavour: Flavour = "r4",
    patient_name: str | None = None,
    sign_words: dict[str, str] | None = None,
) -> Any:
    """Patient (minimal, no identifiers), the Questionnaire, and one resource per assessment,
    pain score, warning sign logged in the diary (``sign_words`` names them), medicine intake
    and possible cause; every resource validated as it is built."""
    patient_ref = _urn("patient", "self")
    patient: dict[str, Any] = {"resourceType": "Patient", "active": True}
    if patient_name:
        patient["name"] = [{"text": patient_name}]
    resources: list[tuple[str, dict[str, Any]]] = [
        (patient_ref, patient),
        (_urn("questionnaire", knowledge_version), questionnaire(catalogue, knowledge_version)),
    ]
    for a in record.assessments:
        resources.append((_urn("qr", a.id), questionnaire_response(a, patient_ref)))
        cond = condition(a, patient_ref)
        if cond is not None:
            resources.append((_urn("condition", a.id), cond))
    resources += [(_urn("obs", e.id), pain_observation(e, patient_ref)) for e in record.episodes]
    words = sign_words or {}
    resources += [
        (_urn("sign", f"{e.id}:{sign}"), warning_sign_observation(e, sign, words.get(sign, sign), patient_ref))
        for e in record.episodes
        for sign in e.red_flags
    ]
    resources += [(_urn("med", i.id), medication_statement(i, patient_ref, flavour)) for i in record.intakes]
    entries = [
        {"fullUrl": url, "resource": model(data["resourceType"], flavour).model_validate(data)}
        for url, data in resources
    ]
    return model("Bundle", flavour).model_validate(
        {"resourceType": "Bundle", "type": "collection", "timestamp": exported_at.isoformat(), "entry": entries}
    )
