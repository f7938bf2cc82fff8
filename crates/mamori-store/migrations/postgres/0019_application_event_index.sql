-- An asset's page names the application that permits each of its waiting records: found by the
-- record, not by reading every application of every body.
CREATE INDEX applications_asset_event ON applications (asset_event_id);
