#!/usr/bin/env python3
"""tests/engines/openai_server.py with TCP_NODELAY on its connections.

Python's http.server leaves Nagle's algorithm on and writes a response's
headers and body in two sends; on loopback (MSS about 64 KiB) the body is
then held until the client ACKs the headers, which Linux delays by up to
40 ms. Each request so pays about 40 ms the server, not the client, adds.
This runs the same server with `disable_nagle_algorithm = True` (what
production servers such as uvicorn do), to tell that apart from pod.
Same arguments and output as the original.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "engines"))
import openai_server  # noqa: E402

openai_server.Handler.disable_nagle_algorithm = True
openai_server.main()
