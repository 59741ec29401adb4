"""The command server: pay the stack's import once, not per command.

A long-lived process per user and installation imports the whole stack and
builds the command tree; each ``taskcli`` process hands it argv, cwd, the
environment, the umask and its stdin/stdout/stderr, and the server forks a
child that runs the command exactly as an in-process run would. Modelled on
Mercurial's chg. The client side (``client``, ``paths``, ``protocol``) imports
only the standard library, so a served command costs little more than
starting Python.
"""
