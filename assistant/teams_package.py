"""Build the Teams app package to sideload or upload: manifest.json with the bot id filled in, and two icons.

    policy-assistant teams-package --out dist/policy-assistant-teams.zip [--bot-id GUID] [--template DIR]

The bot id is the Entra app registration's client id: `--bot-id`, else the SDK's own
`CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID`. The template (manifest.json with ${{BOT_ID}}
placeholders, color.png, outline.png) ships inside the package in assistant/data/teams/, so this works
from an installed wheel; `--template` takes a folder of your own edited copies instead.
"""

from __future__ import annotations

import json
import os
import uuid
import zipfile
from collections.abc import Mapping
from pathlib import Path

import click

from .errors import ConfigError

TEMPLATE_DIR = Path(__file__).resolve().parent / "data" / "teams"
CLIENT_ID_ENV = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
ICONS = ("color.png", "outline.png")


def bot_id_from(value: str | None, env: Mapping[str, str]) -> str:
    """The bot id as a lower-case GUID, from the option or the environment; ConfigError otherwise."""
    raw = (value or env.get(CLIENT_ID_ENV) or "").strip()
    if not raw:
        raise ConfigError(f"No bot id: pass --bot-id GUID or set {CLIENT_ID_ENV} (the Entra app's client id).")
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise ConfigError(f"The bot id {raw!r} is not a GUID (expected e.g. 00000000-0000-0000-0000-000000000000)."
                          ) from None


def manifest_for(bot_id: str, template_dir: Path = TEMPLATE_DIR) -> dict:
    """The template's manifest.json with every ${{BOT_ID}} replaced."""
    path = template_dir / "manifest.json"
    try:
        text = path.read_text(encoding="utf-8").replace("${{BOT_ID}}", bot_id)
        manifest = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"Cannot read the Teams manifest template {path}: {exc}") from None
    if "${{" in text:
        raise ConfigError(f"{path} has a placeholder other than ${{{{BOT_ID}}}}.")
    return manifest


def build_package(out: Path, bot_id: str | None = None, env: Mapping[str, str] | None = None,
                  template_dir: Path = TEMPLATE_DIR) -> Path:
    """Write the zip (manifest.json, color.png, outline.png at its root) and return its path."""
    manifest = manifest_for(bot_id_from(bot_id, os.environ if env is None else env), template_dir)
    missing = [name for name in ICONS if not (template_dir / name).is_file()]
    if missing:
        raise ConfigError(f"Missing icon(s) in {template_dir}: {', '.join(missing)}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for name in ICONS:
            zf.write(template_dir / name, name)
    partial.replace(out)
    return out


@click.command()
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=Path("dist/policy-assistant-teams.zip"),
              show_default=True, help="Where to write the package.")
@click.option("--bot-id", help=f"The bot's Entra app (client) id; default ${CLIENT_ID_ENV}.")
@click.option("--template", "template_dir", type=click.Path(path_type=Path, file_okay=False), default=TEMPLATE_DIR,
              help="Folder with your own manifest.json, color.png and outline.png; default: the bundled ones.")
def main(out: Path, bot_id: str | None, template_dir: Path) -> None:
    """Build the Microsoft Teams app package (manifest.json and two icons) to upload in Teams."""
    try:
        written = build_package(out, bot_id, template_dir=template_dir)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {written} (upload it in Teams: Apps > Manage your apps > Upload an app)")


if __name__ == "__main__":
    main()
