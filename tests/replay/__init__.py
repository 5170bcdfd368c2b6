"""Local replay servers for the live-update tests.

Nothing here reaches the network: every server listens on 127.0.0.1 on a free port, in a
thread of the test process (or of a helper process), and answers with responses built from
the real data shipped with SahelWatch (UCDP Candidate releases 26.0.1 and 26.0.2) or from the
hand-written ACLED fixtures in ``tests/data`` (ACLED data are never committed).

``server``   the HTTP server, its request log and fault injection (timeouts, 5xx, 429 with
             Retry-After, truncated bodies, dropped connections, custom replies).
``ucdp``     UCDP's REST API (``/api/gedevents/<version>``, paged, with an access token) and a
             download site (an HTML index, a JSON index, zipped CSV releases, Range requests).
``acled``    ACLED's OAuth token endpoint and ``/api/acled/read`` (paged, filtered by ``iso``,
             ``event_date`` and ``timestamp``), with tokens that can expire mid-pull.
``raw``      a raw TCP server for replies no HTTP library writes (trickling, endless).
``sinks``    receivers for notifications: a webhook endpoint that checks signatures, and an
             SMTP server (aiosmtpd).
``recordings/``  small recorded replies in the real formats; tests check that the replay
             servers answer exactly like them.
"""
