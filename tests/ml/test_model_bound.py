"""A model config asking for an unbounded model (decoder_channels of 65536) is refused with a
sentence before anything is built."""

import pytest

from app.ml.registry import MAX_DECODER_PARAMETERS, create_model, decoder_parameters, validate_spec
from app.ml.spec import ModelSpec


def spec(channels):
    return ModelSpec(architecture="Unet", encoder="resnet18", decoder_channels=channels,
                     in_channels=1, num_classes=2)


def test_huge_decoder_is_refused_before_it_is_built():
    with pytest.raises(ValueError, match=r"would make a decoder of about [\d,]+ M parameters"):
        create_model(spec([65536] * 5), pretrained=False)


def test_stock_and_large_but_sane_decoders_pass():
    validate_spec(spec([256, 128, 64, 32, 16]))
    validate_spec(spec([1024, 512, 256, 128, 64]))
    assert decoder_parameters([256, 128, 64, 32, 16]) < 3_000_000 < MAX_DECODER_PARAMETERS
