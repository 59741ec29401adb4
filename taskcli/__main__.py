"""Allow ``python -m taskcli``."""

from taskcli.cli import main

if __name__ == "__main__":
    main()
