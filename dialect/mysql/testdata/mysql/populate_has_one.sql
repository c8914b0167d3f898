SELECT `id`, `name`, `age`, `email` FROM `owner`
SELECT `id`, `addr_city`, `addr_zip`, `owner_id` FROM `site` WHERE `owner_id` IN (?, ?)
  -- args: 1 2
