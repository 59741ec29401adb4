"""Allow ``python -m taskcli``."""

from taskcli.main import main

if __name__ == "__main__":
    main()
