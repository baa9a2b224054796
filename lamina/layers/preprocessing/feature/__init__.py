"""Text, lookup, hashing, category-encoding and discretization layers (NumPy-backed, no TensorFlow).

Example:
    >>> from lamina import layers
    >>> layers.StringLookup(vocabulary=["a", "b"])(np.array(["a", "z"]))   # [1, 0]
"""

from lamina.layers.preprocessing.feature.category_encoding import CategoryEncoding, Discretization
from lamina.layers.preprocessing.feature.hashing import HashedCrossing, Hashing
from lamina.layers.preprocessing.feature.index_lookup import IntegerLookup, StringLookup
from lamina.layers.preprocessing.feature.text_vectorization import TextVectorization

__all__ = ["CategoryEncoding", "Discretization", "HashedCrossing", "Hashing", "IntegerLookup", "StringLookup",
           "TextVectorization"]
