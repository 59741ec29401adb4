"""Allow ``python -m taskcli``."""

try:
    from taskcli.main import main
except KeyboardInterrupt:  # Ctrl-C while starting up: nothing ran, so nothing changed
    import os
    import sys

    sys.stderr.write("Error: interrupted; no changes were made\n")
    os._exit(130)

if __name__ == "__main__":
    main()
