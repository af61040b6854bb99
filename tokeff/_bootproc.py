"""The bootstrap's helper process (see ``tokeff.resample._HelperShare``): reads the columns,
then computes the batches of resamples it is asked for, until its input ends."""

from __future__ import annotations

from .resample import helper_main

if __name__ == "__main__":
    raise SystemExit(helper_main())
