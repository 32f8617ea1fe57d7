-- A module's search document may be visible to named people (user ids, a
-- JSON array) besides the holders of its permission: the helpdesk's tickets
-- are found by their requester, assignee and the category's agents. NULL:
-- no list, the permission alone decides.
ALTER TABLE module_search_documents ADD COLUMN readers TEXT;
