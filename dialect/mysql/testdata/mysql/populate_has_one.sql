SELECT `id`, `name`, `age`, `email` FROM `owner`
SELECT `id`, `addr_city`, `addr_zip`, `po_city`, `po_zip`, `owner_id` FROM `site` WHERE `owner_id` IN (?, ?)
  -- args: 1 2
