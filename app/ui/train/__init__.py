"""The Train workspace: model settings, training with live curves, the model list, pre-labels."""
