"""taskcli: a command-line task manager with subtask trees."""

__version__ = "0.4.0"
