"""The Bedrock control plane (boto3 "bedrock" client), answered in botocore's own shapes.

Member names follow botocore 1.44.8 botocore/data/bedrock/2023-04-20/service-2.json:
- ListFoundationModels  GET /foundation-models?byProvider&byCustomizationType&byOutputModality&byInferenceType
  -> {"modelSummaries": [FoundationModelSummary]}
- GetFoundationModel    GET /foundation-models/{modelIdentifier} -> {"modelDetails": FoundationModelDetails}
- GetFoundationModelAvailability GET /foundation-model-availability/{modelId}
  -> {modelId, agreementAvailability {status, errorMessage?}, authorizationStatus,
      entitlementAvailability, regionAvailability}
FoundationModelSummary/Details: modelArn, modelId, modelName, providerName, inputModalities,
outputModalities, responseStreamingSupported, customizationsSupported, inferenceTypesSupported,
modelLifecycle {status ACTIVE|LEGACY, startOfLifeTime?, endOfLifeTime?, legacyTime?,
publicExtendedAccessTime?} (timestamps iso8601).
modelLifecycle follows the emulator's clock (lifecycle.py). A model past its end of life stays
listed as LEGACY with its past endOfLifeTime, unless its gone_after_end_of_life setting makes the
control plane forget it (GetFoundationModel 404 "This model version has reached the end of its life...").
A model that needs an inference profile lists inferenceTypesSupported ["INFERENCE_PROFILE"], as
AWS does for such models (the value is outside botocore's enum; botocore does not check it).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from . import errors
from .lifecycle import lifecycle_on
from .models import MODALITIES, ModelSettings

if TYPE_CHECKING:
    from .server import BedrockEmulator


def apply_fault(emu: BedrockEmulator, operation: str) -> None:
    """emu.control_fault: "access-denied" answers like IAM does for a caller without the bedrock:<Op>
    permission; other error faults answer as on the runtime side."""
    fault = emu.control_fault
    if not fault:
        return
    if fault == "access-denied":
        raise errors.access_denied(
            f"User: arn:aws:iam::{emu.account_id}:user/canvas-doctor-emulator is not authorized to perform: "
            f"bedrock:{operation} because no identity-based policy allows the bedrock:{operation} action"
        )
    raise errors.fault_error(fault)


def summary(model_id: str, s: ModelSettings, region: str, now: datetime) -> dict:
    inputs, outputs, streaming = MODALITIES[s.kind]
    return {
        "modelArn": f"arn:aws:bedrock:{region}::foundation-model/{model_id}",
        "modelId": model_id,
        "modelName": s.name or model_id,
        "providerName": s.provider or model_id.split(".", 1)[0].title(),
        "inputModalities": list(inputs),
        "outputModalities": list(outputs),
        "responseStreamingSupported": streaming,
        "customizationsSupported": [],
        "inferenceTypesSupported": ["ON_DEMAND", "PROVISIONED"] if s.on_demand else ["INFERENCE_PROFILE"],
        "modelLifecycle": lifecycle_on(s, now).to_api(),
    }


def _forgotten(s: ModelSettings, now: datetime) -> bool:
    return bool(s.gone_after_end_of_life) and lifecycle_on(s, now).ended


def _one(query: dict, name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def list_foundation_models(emu: BedrockEmulator, query: dict, region: str) -> dict:
    provider = _one(query, "byProvider")
    output = _one(query, "byOutputModality")
    inference = _one(query, "byInferenceType")
    customization = _one(query, "byCustomizationType")
    out = []
    now = emu.now()
    for model_id, s in emu.all_settings().items():
        if region not in s.regions or _forgotten(s, now):
            continue
        item = summary(model_id, s, region, now)
        if provider and provider.lower() not in (item["providerName"].lower(), model_id.split(".", 1)[0]):
            continue
        if output and output not in item["outputModalities"]:
            continue
        if inference and inference not in item["inferenceTypesSupported"]:
            continue
        if customization and customization not in item["customizationsSupported"]:
            continue
        out.append(item)
    return {"modelSummaries": out}


def _foundation_id(identifier: str, region: str) -> str | None:
    if identifier.startswith("arn:"):
        parts = identifier.split(":", 5)
        if len(parts) != 6 or parts[3] != region or not parts[5].startswith("foundation-model/"):
            return None
        return parts[5].split("/", 1)[1]
    return identifier


def get_foundation_model(emu: BedrockEmulator, identifier: str, region: str) -> dict:
    model_id = _foundation_id(identifier, region)
    s = emu.settings(model_id) if model_id else None
    if s is None or region not in s.regions:
        raise errors.not_found(errors.MSG_FM_NOT_FOUND)
    now = emu.now()
    if _forgotten(s, now):
        raise errors.not_found(errors.MSG_END_OF_LIFE)
    return {"modelDetails": summary(model_id, s, region, now)}


def get_availability(emu: BedrockEmulator, model_id: str, region: str) -> dict:
    s = emu.settings(model_id)
    if s is None:
        raise errors.not_found(errors.MSG_FM_NOT_FOUND)
    agreement = {"status": s.agreement}
    if s.agreement_error:
        agreement["errorMessage"] = s.agreement_error
    return {
        "modelId": model_id,
        "agreementAvailability": agreement,
        "authorizationStatus": "AUTHORIZED" if s.authorized else "NOT_AUTHORIZED",
        "entitlementAvailability": "AVAILABLE" if s.entitled else "NOT_AVAILABLE",
        "regionAvailability": "AVAILABLE" if region in s.regions else "NOT_AVAILABLE",
    }
