"""The `omnichannel` command from any directory."""

from __future__ import annotations

import os
import subprocess

import jwt

from tests.conftest import JWT_SECRET

from .servers import OMNICHANNEL


def run(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OMNICHANNEL, *args], env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_schema_migrate_seed_and_token(database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "OMNICHANNEL_JWT_SECRET": JWT_SECRET, "OMNICHANNEL_HOME": str(tmp_path)}
    schema = run("schema", env=env, cwd=tmp_path)
    assert schema.returncode == 0 and "type Query {" in schema.stdout and "stockAvailability" in schema.stdout

    for _ in range(2):  # idempotent
        assert run("migrate", env=env, cwd=tmp_path).returncode == 0
    # several servers starting at once: the advisory lock makes them wait for each other
    together = [
        subprocess.Popen(
            [OMNICHANNEL, "migrate"],
            env={**os.environ, **env},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(3)
    ]
    assert [p.wait(120) for p in together] == [0, 0, 0]
    seeded = run("seed", "--demo", env=env, cwd=tmp_path)
    assert seeded.returncode == 0 and "already present" in seeded.stderr

    token = run("token", "--role", "CLERK", "--store", "S03", env=env, cwd=tmp_path)
    assert token.returncode == 0
    assert token.stdout.count("\n") == 1 and token.stdout.count(".") == 2  # the token alone
    claims = jwt.decode(token.stdout.strip(), JWT_SECRET, algorithms=["HS256"], issuer="omnichannel")
    assert (claims["role"], claims["store"], claims["sub"]) == ("CLERK", "S03", "clerk.s03@demo.omnichannel.cn")

    member = run("token", "--role", "MEMBER", "--member", "M0007", "--ttl", "60", env=env, cwd=tmp_path)
    claims = jwt.decode(member.stdout.strip(), JWT_SECRET, algorithms=["HS256"], issuer="omnichannel")
    assert claims["sub"] == "M0007" and claims["exp"] - claims["iat"] == 60

    missing = run("token", "--role", "CLERK", env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "--store" in missing.stderr and missing.stdout == ""
    unknown = run("token", "--role", "MEMBER", "--member", "M9999", env=env, cwd=tmp_path)
    assert unknown.returncode == 2 and "M9999" in unknown.stderr


def test_production_serve_refuses_to_start_without_a_signing_key(database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "OMNICHANNEL_HOME": str(tmp_path), "OMNICHANNEL_JWT_SECRET": ""}
    done = run("serve", "--port", "1", env=env, cwd=tmp_path)
    assert done.returncode == 2 and "OMNICHANNEL_JWT_SECRET" in done.stderr


def test_serve_refuses_a_response_cache_over_several_workers_without_redis(database_url, tmp_path):
    env = {
        "DATABASE_URL": database_url,
        "OMNICHANNEL_HOME": str(tmp_path),
        "OMNICHANNEL_JWT_SECRET": JWT_SECRET,
        "OMNICHANNEL_RESPONSE_CACHE_TTL": "5",
        "REDIS_URL": "",
    }
    done = run("serve", "--port", "1", "--workers", "2", env=env, cwd=tmp_path)
    assert done.returncode == 2 and "REDIS_URL" in done.stderr
