import os
# Before numpy/torch are imported: one BLAS/OpenMP thread (the book's matrices are tiny, and on a busy 2-core
# machine thread hand-off makes them up to ~80x slower), and a non-interactive matplotlib backend.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

# Hypothesis: no per-example deadline (CI machines are noisy) and a fixed example sequence, so that a run is
# reproducible like everything else in the book; `HYPOTHESIS_PROFILE=explore pytest` searches afresh.
from hypothesis import settings
settings.register_profile("dlnotes", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("explore", deadline=None, derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dlnotes"))
