"""A hand-built mapping Plan for UI tests: ok, info, warn and block rows, masked secrets.

Pure UI layout tests use it in place of `build_plan` (the real one is tested in tests/unit and
tests/integration). Every value here is already masked as the core masks it.
"""

from __future__ import annotations

from wizard.checks import Finding, Severity
from wizard.mapping.model import DiffRow, Plan, ServicePlan
from wizard.target.model import ObjectRef

MASK = "••••••"
SECRET_REF = "from Secret email-rag-secrets/postgres-password"
OK, INFO, WARN, BLOCK = Severity.OK, Severity.INFO, Severity.WARN, Severity.BLOCK


def row(
    field: str, compose: str, kubernetes: str, severity: Severity, message: str, fix: str = ""
) -> DiffRow:
    return DiffRow(field, compose, kubernetes, Finding(field, severity, message, fix))


BACKEND = ServicePlan(
    "backend",
    ObjectRef("Deployment", "email-rag-backend"),
    (
        row(
            "image",
            "ghcr.io/example/email-rag-backend:latest",
            "ghcr.io/example/email-rag-backend:latest",
            WARN,
            "Both sides run the `latest` tag: a restart may pull a different image.",
            "Pin a version in docker-compose.prod.yml and in k8s/backend.yaml, e.g. :1.4.2.",
        ),
        row("replicas", "2", "2", OK, "Same number of replicas."),
        row(
            "command",
            "uvicorn app.main:app --host 0.0.0.0",
            "uvicorn app.main:app --host 0.0.0.0",
            OK,
            "Same command.",
        ),
        row(
            "env:POSTGRES_PASSWORD",
            MASK,
            SECRET_REF,
            OK,
            "Comes from the Secret email-rag-secrets, key postgres-password.",
        ),
        row(
            "env:DATABASE_URL",
            f"postgresql://app:{MASK}@postgres:5432/app",
            f"postgresql://app:{MASK}@postgres.email-rag.svc.cluster.local:5432/app",
            OK,
            "Equivalent: the Compose host postgres became its Kubernetes Service.",
        ),
        row(
            "ports:8000",
            "8000:8000",
            "Service email-rag-backend 8000",
            OK,
            "Port 8000 is served by a Service.",
        ),
        row(
            "volumes:upload_data",
            "upload_data:/app/uploads",
            "PVC upload-data (ReadWriteOnce) at /app/uploads",
            WARN,
            "upload_data is shared with celery, but the PVC is ReadWriteOnce.",
            "Use a ReadWriteMany storage class (NFS) for upload-data in k8s/pvcs.yaml.",
        ),
    ),
)

CELERY = ServicePlan(
    "celery",
    ObjectRef("Deployment", "email-rag-celery"),
    (
        row(
            "image",
            "ghcr.io/example/email-rag-backend:1.4.2",
            "ghcr.io/example/email-rag-backend:1.4.2",
            OK,
            "Same image.",
        ),
        row(
            "env:OPENAI_API_KEY",
            MASK,
            "(missing)",
            BLOCK,
            "OPENAI_API_KEY is set in Compose but missing in the celery container and its envFrom.",
            "Add it to k8s/celery.yaml: env: - name: OPENAI_API_KEY valueFrom: secretKeyRef: "
            "{name: email-rag-secrets, key: openai-api-key}",
        ),
        row(
            "command",
            "celery -A app.worker worker",
            "celery -A app.worker worker",
            OK,
            "Same command.",
        ),
    ),
)

FRONTEND = ServicePlan(
    "frontend",
    ObjectRef("Deployment", "email-rag-frontend"),
    (
        row(
            "ports:443",
            "443:443",
            "Ingress email-rag (TLS)",
            OK,
            "Host port 443 became an Ingress with TLS.",
        ),
        row(
            "volumes:./nginx/nginx.prod.conf",
            "./nginx/nginx.prod.conf:/etc/nginx/nginx.conf:ro",
            "ConfigMap nginx-config at /etc/nginx/nginx.conf",
            INFO,
            "The bind mount became a ConfigMap mount; check it has the same content.",
        ),
    ),
)

POSTGRES = ServicePlan(
    "postgres",
    ObjectRef("StatefulSet", "postgres"),
    (
        row("image", "postgres:16", "postgres:16", OK, "Same image."),
        row(
            "volumes:postgres_data",
            "postgres_data:/var/lib/postgresql/data",
            "PVC data-postgres-0 at /var/lib/postgresql/data",
            OK,
            "Same path.",
        ),
    ),
)

WORKER = ServicePlan(
    "mailer",
    None,
    (
        row(
            "match",
            "service mailer",
            "(none)",
            BLOCK,
            "No workload in namespace email-rag (cluster) matches the Compose service mailer.",
            "Name its workload in cutover.yaml:\nservices:\n  mailer: <workload name>",
        ),
    ),
)

EXTRA = (
    Finding(
        "match:Deployment/flower",
        WARN,
        "Deployment flower matches no Compose service.",
        "Map it in cutover.yaml under services:, or remove it if it is not needed.",
    ),
    Finding(
        "drift:ConfigMap/nginx-config",
        INFO,
        "ConfigMap nginx-config differs between the cluster and k8s/config.yaml.",
    ),
)

SAMPLE_PLAN = Plan(
    services=(BACKEND, CELERY, FRONTEND, POSTGRES, WORKER),
    extra=EXTRA,
    sources=("compose-cli", "cluster", "manifests"),
)

ALL_OK_PLAN = Plan(services=(POSTGRES,), sources=("compose-builtin", "manifests"))
