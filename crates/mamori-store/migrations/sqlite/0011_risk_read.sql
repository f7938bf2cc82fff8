-- The risk register holds the threats and vulnerabilities of every unit, which the guideline asks
-- to keep under strict control: reading all of it becomes a permission of its own, given to the
-- CISO and the 統括情報セキュリティ責任者 (a body may give it to other roles in its role set);
-- everyone else reads the risks of their own unit's assets only.
UPDATE role_definitions SET grants = grants || ' risk.read'
    WHERE key IN ('ciso', 'chief_security_officer') AND grants NOT LIKE '%risk.read%';
