-- One hub's announcements over time, newest first, with the cities and sectors stated for it.
SELECT day, title, source_id, url, cities, sectors, mentions, version, announcement_id, duplicate_of
FROM hub_timeline
WHERE hub = :hub
ORDER BY day DESC, announcement_id DESC
LIMIT 500
