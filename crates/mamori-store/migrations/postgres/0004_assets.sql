-- The 情報資産台帳 (asset register), lifecycle records, and the risk register.
-- Built for a million assets a body: every list is paged by keyset on (body_id, id) — ids are
-- UUIDv7, so id order is registration order — and each filter the register offers has its own
-- composite index ending in id, so a page is one index range scan whatever the filter.

CREATE TABLE assets (
    id                    TEXT PRIMARY KEY,
    body_id               TEXT NOT NULL REFERENCES bodies(id),
    -- 管理番号: the body's own number, unique in the body; assigned when none is given.
    asset_no              TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    name                  TEXT NOT NULL,
    description           TEXT NOT NULL,
    owner_unit_id         TEXT REFERENCES org_units(id),
    location              TEXT NOT NULL,
    segment               TEXT NOT NULL,
    -- The classification as the scheme's (axis, level) keys: 'confidentiality=3;integrity=2'.
    classification        TEXT NOT NULL,
    -- 保存期間 as written (「5年」, 「永年」, '' for none).
    retention             TEXT NOT NULL,
    status                TEXT NOT NULL,
    document_type         TEXT,
    encrypted             BIGINT NOT NULL,
    locked_storage        BIGINT NOT NULL,
    backup                BIGINT NOT NULL,
    recovery_target_hours BIGINT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE UNIQUE INDEX assets_number ON assets (body_id, asset_no);
CREATE INDEX assets_page ON assets (body_id, id);
CREATE INDEX assets_unit ON assets (body_id, owner_unit_id, id);
-- 所管課＋種別, the register's usual pair: one range instead of a walk of either index.
CREATE INDEX assets_unit_kind ON assets (body_id, owner_unit_id, kind, id);
CREATE INDEX assets_kind ON assets (body_id, kind, id);
CREATE INDEX assets_segment ON assets (body_id, segment, id);
CREATE INDEX assets_status ON assets (body_id, status, id);

-- For the class filter 「○○以上」: one row per axis and per level the asset is at or above,
-- the lowest level left out (every asset is at or above it). The scheme decides what «at or
-- above» means when the row is written; a query only matches keys, never compares levels.
CREATE TABLE asset_levels (
    body_id  TEXT NOT NULL,
    axis     TEXT NOT NULL,
    level    TEXT NOT NULL,
    asset_id TEXT NOT NULL REFERENCES assets(id),
    PRIMARY KEY (body_id, axis, level, asset_id)
);
CREATE INDEX asset_levels_asset ON asset_levels (asset_id);

-- 複製元 (a copy of) and 格納 (a medium holds) links.
CREATE TABLE asset_links (
    asset_id  TEXT NOT NULL REFERENCES assets(id),
    relation  TEXT NOT NULL,
    source_id TEXT NOT NULL REFERENCES assets(id),
    position  BIGINT NOT NULL,
    PRIMARY KEY (asset_id, relation, source_id)
);
CREATE INDEX asset_links_source ON asset_links (source_id);

-- Next number for assets registered without a 管理番号.
CREATE TABLE asset_counters (
    body_id TEXT PRIMARY KEY REFERENCES bodies(id),
    next_no BIGINT NOT NULL
);

-- Lifecycle records (作成, 入手, 保管場所の変更, 送信, 運搬, 提供, 公表, 廃棄 …). A record whose
-- action needs permission at the asset's classification waits as 'awaiting_approval' with the
-- roles that must permit it, and completes only with an approval reference.
CREATE TABLE asset_events (
    id             TEXT PRIMARY KEY,
    body_id        TEXT NOT NULL REFERENCES bodies(id),
    asset_id       TEXT NOT NULL REFERENCES assets(id),
    action         TEXT NOT NULL,
    status         TEXT NOT NULL,
    acted_at       TEXT NOT NULL,
    person_id      TEXT REFERENCES people(id),
    details        TEXT NOT NULL,
    new_location   TEXT,
    approval       TEXT,
    required_roles TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    completed_at   TEXT
);
CREATE INDEX asset_events_asset ON asset_events (asset_id, created_at);
CREATE INDEX asset_events_status ON asset_events (body_id, status, created_at);

-- The risk register: one row per risk; ratings are the matrix's level keys.
CREATE TABLE risks (
    id                  TEXT PRIMARY KEY,
    body_id             TEXT NOT NULL REFERENCES bodies(id),
    asset_id            TEXT REFERENCES assets(id),
    group_name          TEXT NOT NULL,
    threat              TEXT NOT NULL,
    vulnerability       TEXT NOT NULL,
    likelihood          TEXT NOT NULL,
    impact              TEXT NOT NULL,
    required_band       TEXT,
    treatment           TEXT,
    plan                TEXT NOT NULL,
    reason              TEXT NOT NULL,
    owner_person_id     TEXT REFERENCES people(id),
    due_date            TEXT,
    residual_likelihood TEXT,
    residual_impact     TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX risks_body ON risks (body_id, id);
CREATE INDEX risks_asset ON risks (asset_id);

-- The body's risk matrix and threat catalogue (TOML, as the domain reads them). No row: the
-- 3×3 matrix and the 基本方針's five threat groups.
CREATE TABLE risk_settings (
    body_id     TEXT PRIMARY KEY REFERENCES bodies(id),
    matrix      TEXT NOT NULL,
    threats     TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- The 統括情報セキュリティ責任者 keeps the register of every unit and the risk register.
UPDATE role_definitions SET grants = grants || ' asset.manage' WHERE key = 'chief_security_officer';
