from __future__ import annotations

import contextlib
import os
import shutil
import uuid

import pytest

from tests import factories


def _require_services() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_sessionstart(session):
    """With REQUIRE_SERVICES=1 (CI) a missing PostgreSQL, Redis or Chromium fails loudly."""
    if not _require_services():
        return
    from django.conf import settings

    from schools import health

    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if health.check_broker():
        problems.append(f"Redis does not answer at {settings.REDIS_URL}")
    if not shutil.which(settings.CHROMIUM_PATH):
        problems.append(f"Chromium is missing at {settings.CHROMIUM_PATH}")
    if health.check_pdf_fonts():
        problems.append("WeasyPrint cannot subset fonts (libharfbuzz-subset0 missing)")
    if problems:
        raise pytest.UsageError("REQUIRE_SERVICES=1 but: " + "; ".join(problems))


def redis_available() -> bool:
    from schools import health

    return health.check_broker() is None


def require_redis():
    """Skip locally without Redis; in CI (REQUIRE_SERVICES=1) the session start already failed."""
    if not redis_available():
        pytest.skip("Redis is not running")


@pytest.fixture(autouse=True)
def _isolated_files_and_cache(settings, tmp_path):
    """Each test gets its own vault, upload temp dir and cache namespace."""
    vault = tmp_path / "vault"
    vault.mkdir(mode=0o700)
    upload_tmp = tmp_path / "upload-tmp"
    upload_tmp.mkdir(mode=0o700)
    storages = {**settings.STORAGES}
    storages["vault"] = {
        **storages["vault"],
        "OPTIONS": {**storages["vault"]["OPTIONS"], "location": str(vault)},
    }
    settings.STORAGES = storages
    settings.VAULT_DIR = vault
    settings.FILE_UPLOAD_TEMP_DIR = str(upload_tmp)
    settings.PACKET_TEMP_DIR = str(tmp_path / "packet-work")
    caches = {**settings.CACHES}
    caches["default"] = {**caches["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
    settings.CACHES = caches
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Each test creates several users; PBKDF2 costs ~0.25 s per password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery():
    """Unit tests run tasks in-process; tests marked `worker` use a real worker instead."""
    from schooltrips.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def school(db):
    return factories.SchoolFactory()


@pytest.fixture
def teacher(school):
    return factories.member(school, "teacher")


@pytest.fixture
def nurse(school):
    return factories.member(school, "nurse")


@pytest.fixture
def school_admin(school):
    return factories.member(school, "admin")


@pytest.fixture
def outsider(db):
    """A teacher of another school: every object of `school` must answer 404 to them."""
    return factories.member(factories.SchoolFactory(), "teacher")


@pytest.fixture
def celery_worker_on_redis(transactional_db):
    """A real Celery worker (in a thread) consuming the project's queue on Redis.

    Proves the wiring unit tests cannot: routing, JSON serialisation, acks. Each test gets its
    own queue so parallel runs on one Redis never steal each other's messages.
    """
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from schooltrips.celery import app

    require_redis()

    # The worker thread's persistent connection would keep the test database busy at teardown.
    def close_thread_connections(**kwargs):
        connections.close_all()

    task_postrun.connect(close_thread_connections, weak=False)
    queue = f"test-{uuid.uuid4().hex[:10]}"
    app.conf.task_always_eager = False
    previous_queue = app.conf.task_default_queue
    previous_routes = app.conf.task_routes
    app.conf.task_default_queue = queue
    # Every task to this test's own queue (production routes builds, purge and mail apart).
    app.conf.task_routes = {"*": {"queue": queue}}
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()
    try:
        with start_worker(
            app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            queues=[queue],
            loglevel="WARNING",
            shutdown_timeout=10,
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_thread_connections)
        app.conf.task_default_queue = previous_queue
        app.conf.task_routes = previous_routes
        app.amqp.flush_routes()
        app.amqp.router = app.amqp.Router()
        app.conf.task_always_eager = True


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@contextlib.contextmanager
def chromium_page(live_server, **context_options):
    """A Playwright page in Debian's headless Chromium, recording every request it makes.

    `context_options` go to `browser.new_context` (viewport, locale, bypass_csp for tests that
    inject a script, ...); the locale defaults to Japanese.
    """
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    if not shutil.which(settings.CHROMIUM_PATH):
        if _require_services():
            pytest.fail(f"Chromium is missing at {settings.CHROMIUM_PATH}")
        pytest.skip("Chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test body
    # are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=settings.CHROMIUM_PATH,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        context = browser.new_context(**{"locale": "ja-JP", **context_options})
        page = context.new_page()
        page.requested_urls = []
        page.on("request", lambda request: page.requested_urls.append(request.url))
        page.live_server_url = live_server.url
        try:
            yield page
        finally:
            context.close()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class S3Server:
    """moto's standalone S3 server on a loopback port of its own, with one vault bucket."""

    def __init__(self):
        # moto keeps its buckets per process, across servers: a fresh name for each test.
        self.bucket = f"vault-{uuid.uuid4().hex[:12]}"
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        self.port = self._server.get_host_and_port()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """The store goes down: connections to its port are refused."""
        self._server.stop()

    def restart(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="ap-northeast-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def object_keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()


@pytest.fixture
def s3_vault(settings, monkeypatch):
    """The vault on an S3-compatible server over real HTTP, configured as production is."""
    server = S3Server()
    try:
        server.client().create_bucket(
            Bucket=server.bucket,
            CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"},
        )
        env = {
            "VAULT_STORAGE_BACKEND": "s3",
            "VAULT_S3_BUCKET": server.bucket,
            "VAULT_S3_ENDPOINT_URL": server.endpoint,
            "VAULT_S3_REGION": "ap-northeast-1",
            "VAULT_S3_ACCESS_KEY_ID": "test",
            "VAULT_S3_SECRET_ACCESS_KEY": "test",
            "VAULT_S3_ADDRESSING_STYLE": "path",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        from schooltrips.settings import vault_storage

        settings.STORAGES = {**settings.STORAGES, "vault": vault_storage()}
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser_page(live_server):
    """A desktop-sized page (Chromium's default 1280x720)."""
    with chromium_page(live_server) as page:
        yield page


@pytest.fixture
def phone_page(live_server):
    """A phone-sized page with touch (390x844, an iPhone 12-15 class screen)."""
    with chromium_page(live_server, **PHONE) as page:
        yield page
