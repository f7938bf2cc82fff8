-- The kind of 地方公共団体 (市, 町, 一部事務組合 …) given at setup; empty for a body registered
-- before setup asked for it (the demo body among them).
ALTER TABLE bodies ADD COLUMN kind TEXT NOT NULL DEFAULT '';
