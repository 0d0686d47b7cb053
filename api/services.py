"""What the app factory builds once and the request handlers share."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from api.config import Config
from api.maintenance import Compactor
from api.tokens import EmbedTokens
from data import Store
from data.events import GroupWriter


@dataclass(frozen=True)
class Services:
    config: Config
    store: Store
    tokens: EmbedTokens
    compactor: Compactor
    ingest: GroupWriter  # event batches, grouped when requests arrive together


def services() -> Services:
    return current_app.extensions["embedash"]
