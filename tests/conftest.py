import os
# Before numpy is imported: one BLAS thread (the book's matrices are tiny; threads only add hand-off cost),
# and a non-interactive matplotlib backend.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
