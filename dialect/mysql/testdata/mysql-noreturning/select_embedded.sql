SELECT `id`, `addr_city`, `addr_zip`, `po_city`, `po_zip`, `owner_id` FROM `site` WHERE `addr_city` = ? ORDER BY `addr_zip`
  -- args: "Oslo"
