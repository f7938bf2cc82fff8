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
INSERT INTO rule_stamps (scope, stamp) VALUES ('rules', md5(random()::text || clock_timestamp()::text));
CREATE FUNCTION rule_stamps_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rule_stamps SET stamp = md5(random()::text || clock_timestamp()::text)
     WHERE scope = 'rules';
    RETURN NULL;
END;
$$;
CREATE TRIGGER policy_editions_stamp AFTER INSERT OR UPDATE OR DELETE ON policy_editions
    FOR EACH STATEMENT EXECUTE FUNCTION rule_stamps_touch();
CREATE TRIGGER org_units_stamp AFTER INSERT OR UPDATE OR DELETE ON org_units
    FOR EACH STATEMENT EXECUTE FUNCTION rule_stamps_touch();
CREATE TRIGGER org_unit_history_stamp AFTER INSERT OR UPDATE OR DELETE ON org_unit_history
    FOR EACH STATEMENT EXECUTE FUNCTION rule_stamps_touch();
CREATE TRIGGER people_stamp AFTER INSERT OR UPDATE OR DELETE ON people
    FOR EACH STATEMENT EXECUTE FUNCTION rule_stamps_touch();
CREATE TRIGGER person_history_stamp AFTER INSERT OR UPDATE OR DELETE ON person_history
    FOR EACH STATEMENT EXECUTE FUNCTION rule_stamps_touch();
CREATE TRIGGER role_definitions_stamp AFTER INSERT OR UPDATE OR DELETE ON role_definitions
    FOR EACH STATEMENT EXECUTE FUNCTION rule_stamps_touch();
CREATE TRIGGER role_assignments_stamp AFTER INSERT OR UPDATE OR DELETE ON role_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION rule_stamps_touch();
CREATE TRIGGER bodies_stamp AFTER INSERT OR UPDATE OR DELETE ON bodies
    FOR EACH STATEMENT EXECUTE FUNCTION rule_stamps_touch();
