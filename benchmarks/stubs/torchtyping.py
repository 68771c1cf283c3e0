"""A stand-in for torchtyping, which torchode imports for its type annotations only.

Used by peers.py when the real package is missing: put benchmarks/stubs on PYTHONPATH after the directory that holds
torchode. Subscripting returns the class itself, so annotations such as TensorType["batch", "feature", is_float]
evaluate and mean nothing at run time, as with the real package.
"""


class TensorType:
    def __class_getitem__(cls, item):
        return cls


class is_float:  # noqa: N801  (the name torchode imports)
    pass
