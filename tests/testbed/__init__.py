"""The test bed: the real services the tests, the demo and the bench run against, on 127.0.0.1.

- litellm.py: the LiteLLM proxy from its cached venv (never 1.107.x), with a generated config
  that points Bedrock at the emulator (canvas_doctor_emulator).
- project.py: a stack folder (compose file, LiteLLM config, .env) for the doctor to read.
- openwebui.py: Open WebUI from its cached venv.
- versions.py: which versions run (1.108.7 and 0.12.4 by default; CANVAS_DOCTOR_*_VERSION), and the
  facts that depend on them.

Nothing here is imported by the doctor itself; only tests, bench and demo scripts use it.
"""
