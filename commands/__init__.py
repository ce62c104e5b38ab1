"""``talkrig``: the command line, the one layer that knows every package.

With no command it opens the desktop app (``talkrig.app``); each command is one module here
(``run``, ``serve``, ``devices``, ``models``, ``infer``, ``render``, ``bench``, ``train``) that
parses its options and calls into the layer that does the work. Every error a user can cause
(bad target, missing file, unknown device or model) ends in one ``talkrig: error: ...`` line and
exit status 2, never a traceback.
"""
