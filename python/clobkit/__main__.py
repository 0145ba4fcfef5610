"""The ``clobkit`` command: the same command line as the Rust binary, run in this process."""

import sys

from ._native import run_cli


def main() -> None:
    """Entry point of the ``clobkit`` console script."""
    sys.exit(run_cli(["clobkit", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
