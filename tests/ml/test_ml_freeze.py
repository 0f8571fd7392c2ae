"""A frozen encoder stays exactly as loaded (weights and batch-norm statistics) while the decoder
trains; the last stages can be let loose."""

import pytest
import torch

from app.ml.checkpoint import ClassInfo
from app.ml.freeze import encoder_stages
from app.ml.registry import create_model
from app.ml.spec import ModelSpec
from app.ml.synthetic import synthetic_samples
from app.ml.trainer import TrainConfig, Trainer

SPEC = ModelSpec("Unet", "resnet18", (16, 8, 8, 8, 8), 1, 2, 32, None, freeze_encoder=True)


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def train_two_steps(tmp_path, spec):
    config = TrainConfig(epochs=1, batch_size=4, lr=1e-2, crops_per_image=1, device="cpu")
    trainer = Trainer(spec, [ClassInfo(1, "scratch")], synthetic_samples(8, 48, seed=0), [],
                      tmp_path, config, model=create_model(spec, pretrained=False).model)
    encoder_before = snapshot(trainer.model.encoder)
    decoder_before = snapshot(trainer.model.decoder)
    result = trainer.fit()
    assert result.status == "completed"
    return trainer, encoder_before, decoder_before


def changed(before, module) -> set[str]:
    after = module.state_dict()
    return {k for k, v in before.items() if not torch.equal(v, after[k])}


def test_frozen_encoder_is_untouched_and_decoder_learns(tmp_path):
    trainer, enc, dec = train_two_steps(tmp_path, SPEC)
    assert changed(enc, trainer.model.encoder) == set()  # params, running stats, batch counts
    assert any(k.endswith("running_mean") for k in enc)  # ... and there were statistics to keep
    moved = changed(dec, trainer.model.decoder)
    assert any(k.endswith("weight") for k in moved) and any("running_mean" in k for k in moved)
    optimized = {id(p) for g in trainer.optimizer.param_groups for p in g["params"]}
    assert not optimized & {id(p) for p in trainer.model.encoder.parameters()}
    assert optimized == {id(p) for p in trainer.model.parameters() if p.requires_grad}
    assert "Encoder frozen: only the decoder trains" in trainer.notes


def test_last_stage_unfrozen_trains_alone(tmp_path):
    trainer, enc, _ = train_two_steps(tmp_path, SPEC.replace(unfrozen_stages=1))
    moved = changed(enc, trainer.model.encoder)
    assert moved and all(k.startswith("layer4.") for k in moved)
    assert {"layer4.0.bn1.running_mean", "layer4.1.conv2.weight"} <= moved


def test_stages_found_from_the_encoder():
    smp_resnet = create_model(SPEC, pretrained=False).model.encoder
    stages = encoder_stages(smp_resnet, 1)
    assert [s[0].split(".")[0] for s in stages] == ["conv1", "layer1", "layer2", "layer3", "layer4"]
    lite0 = create_model(SPEC.replace(encoder="tu-tf_efficientnet_lite0"), pretrained=False)
    stages = encoder_stages(lite0.model.encoder, 1)
    assert len(stages) == 5
    assert sum(map(len, stages)) == len(list(lite0.model.encoder.parameters()))
    assert stages[-1][0].startswith("model.blocks.5.")
    assert stages[-1][-1].startswith("model.blocks.6.")


def test_spec_keeps_old_checkpoints_unfrozen():
    old = ModelSpec().to_dict()
    for key in ("freeze_encoder", "unfrozen_stages"):
        old.pop(key)
    spec = ModelSpec.from_dict(old)
    assert (spec.freeze_encoder, spec.unfrozen_stages) == (False, 0)
    assert ModelSpec.from_dict(SPEC.replace(unfrozen_stages=2).to_dict()).unfrozen_stages == 2
    with pytest.raises(ValueError, match="frozen encoder only"):
        ModelSpec(unfrozen_stages=1)
    with pytest.raises(ValueError, match="0..5"):
        SPEC.replace(unfrozen_stages=6)
