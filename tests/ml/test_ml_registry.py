"""Model specs, registries, create_model and encoder weights."""

import socket

import pytest
import torch
from safetensors.torch import save_file

from app.ml import weights
from app.ml.registry import ARCHITECTURES, ENCODERS, create_model, validate_spec
from app.ml.spec import ModelSpec, Normalization, default_spec

TINY = (16, 8, 8, 8, 8)


def spec(**kw) -> ModelSpec:
    base = dict(architecture="Unet", encoder="resnet18", decoder_channels=TINY, in_channels=3,
                num_classes=3, tile_size=64, encoder_weights=None)
    return ModelSpec(**{**base, **kw})


def test_spec_round_trip_and_defaults():
    s = spec(decoder_channels=[16, 8, 8, 8, 8])
    assert s.decoder_channels == TINY
    assert ModelSpec.from_dict(s.to_dict()) == s
    assert ModelSpec.from_dict(spec(decoder_channels=None).to_dict()).decoder_channels is None
    cpu, gpu = default_spec("cpu", 3), default_spec("cuda:0", 3)
    assert (cpu.encoder, cpu.decoder_channels, cpu.tile_size, cpu.freeze_encoder) == \
        ("tu-tf_efficientnet_lite0", (64, 32, 16, 16, 8), 192, True)
    assert (gpu.encoder, gpu.decoder_channels, gpu.tile_size, gpu.freeze_encoder) == \
        ("resnet34", None, 512, False)
    n = Normalization.imagenet(3)
    assert Normalization.from_dict(n.to_dict()) == n
    with pytest.raises(ValueError, match="multiple of 32"):
        spec(tile_size=48)


def test_cpu_default_without_bundled_weights_trains_its_whole_encoder(monkeypatch):
    from app.ml import bundled_weights

    monkeypatch.setattr(bundled_weights, "available", lambda encoder: False)
    cpu = default_spec("cpu", 3)
    assert (cpu.encoder, cpu.tile_size, cpu.freeze_encoder) == ("resnet18", 256, False)


@pytest.mark.parametrize("field,name,listed", [
    ("architecture", "SegNet", list(ARCHITECTURES)),
    ("encoder", "resnet1000", list(ENCODERS)),
])
def test_unknown_names_list_the_valid_ones(field, name, listed):
    with pytest.raises(ValueError) as e:
        validate_spec(spec(**{field: name}))
    assert name in str(e.value)
    assert all(valid in str(e.value) for valid in listed)


def test_decoder_channels_only_where_taken():
    validate_spec(spec(architecture="UnetPlusPlus"))
    validate_spec(spec(architecture="unet"))  # names are matched without case
    for arch in ("FPN", "DeepLabV3Plus", "Linknet"):
        with pytest.raises(ValueError, match="no decoder_channels"):
            validate_spec(spec(architecture=arch))
    with pytest.raises(ValueError, match="5 positive values"):
        validate_spec(spec(decoder_channels=(8, 8)))


@pytest.mark.parametrize("arch,encoder,in_ch", [
    ("Unet", "resnet18", 1),
    ("UnetPlusPlus", "resnet18", 3),
    ("FPN", "resnet18", 3),
    ("DeepLabV3Plus", "resnet18", 1),
    ("Linknet", "resnet18", 3),
    ("Unet", "resnet34", 3),
    ("Unet", "efficientnet-b0", 1),
    ("Unet", "mobilenet_v2", 3),
])
def test_every_registered_part_builds_and_runs(arch, encoder, in_ch):
    takes = ARCHITECTURES[arch].takes_decoder_channels
    s = spec(architecture=arch, encoder=encoder, in_channels=in_ch,
             decoder_channels=TINY if takes else None)
    created = create_model(s)
    assert not created.pretrained and "Random init" in created.weights_note
    model = created.model.eval()
    with torch.no_grad():
        out = model(torch.zeros(1, in_ch, 64, 64))
    assert out.shape == (1, 3, 64, 64)


def test_imagenet_fallback_when_download_fails(monkeypatch):
    def fail(encoder):
        raise weights.WeightsUnavailable("no internet (huggingface.co cannot be reached)")

    monkeypatch.setattr(weights, "download_imagenet_state", fail)
    created = create_model(spec(encoder_weights="imagenet"))
    assert created.pretrained is False
    assert created.weights_note == ("ImageNet weights unavailable: no internet (huggingface.co "
                                    "cannot be reached); starting from random weights")


def test_offline_and_unreachable_are_fast_notes(monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", lambda *a, **k: None)
    monkeypatch.setenv("DEFECT_STUDIO_OFFLINE", "1")
    ok, note = weights.load_imagenet_weights(create_model(spec()).model, spec())
    assert not ok and note == ("ImageNet weights unavailable: offline mode is on and they are not "
                              "on this machine; starting from random weights")

    def refuse(*a, **k):
        raise OSError("network unreachable")

    monkeypatch.delenv("DEFECT_STUDIO_OFFLINE")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    for v in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setattr(socket, "create_connection", refuse)
    ok, note = weights.load_imagenet_weights(create_model(spec()).model, spec())
    assert not ok and note.startswith("ImageNet weights unavailable: no internet (")
    assert note.endswith("cannot be reached); starting from random weights")


def test_imagenet_weights_adapted_to_gray_input(monkeypatch):
    from app.ml.compat import import_smp

    rgb = import_smp().encoders.get_encoder("resnet18", in_channels=3, weights=None).state_dict()
    monkeypatch.setattr(weights, "download_imagenet_state", lambda encoder: rgb)
    created = create_model(spec(in_channels=1, encoder_weights="imagenet"))
    assert created.pretrained, created.weights_note
    enc = created.model.encoder.state_dict()
    torch.testing.assert_close(enc["conv1.weight"], rgb["conv1.weight"].sum(1, keepdim=True))
    torch.testing.assert_close(enc["layer4.1.conv2.weight"], rgb["layer4.1.conv2.weight"])


def test_import_encoder_weights_file(tmp_path):
    donor = create_model(spec()).model
    path = tmp_path / "encoder.safetensors"
    save_file({f"encoder.{k}": v for k, v in donor.encoder.state_dict().items()}, str(path))
    created = create_model(spec(), encoder_weights_file=path)
    assert created.pretrained and "loaded" in created.weights_note
    for k, v in donor.encoder.state_dict().items():
        assert torch.equal(created.model.encoder.state_dict()[k], v)

    junk = tmp_path / "junk.safetensors"
    save_file({"something.else": torch.zeros(3)}, str(junk))
    with pytest.raises(weights.WeightsError, match="no tensor"):
        create_model(spec(), encoder_weights_file=junk)
