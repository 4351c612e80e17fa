import os
# Before numpy/torch are imported: one BLAS/OpenMP thread (the book's matrices are tiny, and on a busy 2-core
# machine thread hand-off makes them up to ~80x slower), and a non-interactive matplotlib backend.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")
