"""``python -m fleetiac``: the same command line as the ``fleetiac`` script."""

from fleetiac.analyzer.cli import main

if __name__ == "__main__":
    main()
