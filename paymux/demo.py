"""The demo merchant's fixed sandbox credentials: seeded by ``paymux demo``, used by the ``/demo`` page."""

DEMO_USER_CODE = "imp10000000"
DEMO_IMP_KEY = "2000000000000001"
DEMO_IMP_SECRET = "demo-secret-for-local-sandbox-use-only"
DEMO_CONSOLE_EMAIL = "demo@paymux.local"
DEMO_CONSOLE_PASSWORD = "paymux-demo-console"
