"""Image preprocessing and augmentation layers, plus Rescaling and Normalization."""

__all__ = []
