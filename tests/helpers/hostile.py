"""Hostile input shared by the unit and the workflow hardening tests."""

# A YAML alias bomb ("billion laughs"): nine levels of ten aliases each, 10**9 strings if expanded.
BILLION_LAUGHS = (
    "training:\n  label_override: ["
    + ", ".join(
        ["&a0 [x, x, x, x, x, x, x, x, x, x]"]
        + [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    )
    + "]\n"
)
