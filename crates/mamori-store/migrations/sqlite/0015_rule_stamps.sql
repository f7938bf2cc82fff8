-- A stamp that changes with every write to what the body's rules are derived from: the policy
-- editions (the ruling profile) and the organization (units, people, role names and
-- assignments). The application keeps what it derived from them (the scheme, the matrix, the
-- organization of a date) and derives again only when the stamp it reads differs. The triggers
-- set a random value rather than a counter, so a value written in a transaction that is rolled
-- back never comes again and nothing derived inside it can be taken for the committed state.
CREATE TABLE rule_stamps (
    scope  TEXT PRIMARY KEY,
    stamp  TEXT NOT NULL
);
INSERT INTO rule_stamps (scope, stamp) VALUES ('rules', lower(hex(randomblob(16))));
CREATE TRIGGER policy_editions_stamp_insert AFTER INSERT ON policy_editions
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER policy_editions_stamp_update AFTER UPDATE ON policy_editions
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER policy_editions_stamp_delete AFTER DELETE ON policy_editions
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER org_units_stamp_insert AFTER INSERT ON org_units
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER org_units_stamp_update AFTER UPDATE ON org_units
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER org_units_stamp_delete AFTER DELETE ON org_units
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER org_unit_history_stamp_insert AFTER INSERT ON org_unit_history
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER org_unit_history_stamp_update AFTER UPDATE ON org_unit_history
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER org_unit_history_stamp_delete AFTER DELETE ON org_unit_history
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER people_stamp_insert AFTER INSERT ON people
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER people_stamp_update AFTER UPDATE ON people
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER people_stamp_delete AFTER DELETE ON people
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER person_history_stamp_insert AFTER INSERT ON person_history
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER person_history_stamp_update AFTER UPDATE ON person_history
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER person_history_stamp_delete AFTER DELETE ON person_history
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER role_definitions_stamp_insert AFTER INSERT ON role_definitions
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER role_definitions_stamp_update AFTER UPDATE ON role_definitions
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER role_definitions_stamp_delete AFTER DELETE ON role_definitions
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER role_assignments_stamp_insert AFTER INSERT ON role_assignments
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER role_assignments_stamp_update AFTER UPDATE ON role_assignments
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER role_assignments_stamp_delete AFTER DELETE ON role_assignments
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER bodies_stamp_insert AFTER INSERT ON bodies
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER bodies_stamp_update AFTER UPDATE ON bodies
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
CREATE TRIGGER bodies_stamp_delete AFTER DELETE ON bodies
BEGIN
    UPDATE rule_stamps SET stamp = lower(hex(randomblob(16))) WHERE scope = 'rules';
END;
