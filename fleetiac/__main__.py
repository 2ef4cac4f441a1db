"""``python -m fleetiac``: the same command line as the ``fleetiac`` script."""

from fleetiac.analyzer.cli import run

if __name__ == "__main__":
    run()
