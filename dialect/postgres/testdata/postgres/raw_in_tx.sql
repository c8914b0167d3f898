BEGIN
DELETE FROM car WHERE price < $1
  -- args: 100
SELECT o.name, COUNT(*) AS cars FROM owner o JOIN car c ON c.owner_id = o.id GROUP BY o.name HAVING COUNT(*) > $1
  -- args: 1
COMMIT
