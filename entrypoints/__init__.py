"""Entry points above every layer: the `momentum` command line (`cli`), the demo
(`demo`, which drives the system like any client) and the WSGI app for production
servers (`wsgi`). Each builds what it needs through the composition root, `system`."""
