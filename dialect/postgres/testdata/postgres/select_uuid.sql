SELECT "id", "serial", "maker_id" FROM "gizmo" WHERE ("id" = $1::uuid AND "serial" = $2::uuid AND "maker_id" IN ($3::uuid, $4::uuid)) ORDER BY "id"
  -- args: [16]byte(x'01000000000070008000000000000001') [16]byte(x'01000000000070008000000000000007') [16]byte(x'010000000000700080000000000003e8') [16]byte(x'010000000000700080000000000003e9')
