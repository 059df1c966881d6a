// The ledger as it stood at a moment: `--as-of`.
//
// Nothing is ever changed or deleted, so the ledger at time T is exactly the
// records of the log recorded at or before T. ledger_as_of() replays them,
// in order and with their original recorded_at, into a fresh in-memory
// ledger, which reports then read like any other. The replayed log must
// hash to the original's hash at the same record: a check, on every use,
// that the log holds every record whole.
#pragma once

#include <memory>
#include <string>

#include "ledger/storage/store.hpp"

namespace ledger {

// `as_of` is a timestamp (2026-11-22T10:00:00.000Z) or a day (2026-11-22,
// meaning the end of that day, UTC). Throws an input error for another
// shape, and a storage error when the log does not replay to its own hashes.
std::unique_ptr<Store> ledger_as_of(Store& source, const std::string& as_of);

// Copies every record of `source`'s log into `destination`, an empty
// ledger on either backend, in one write transaction: each record replayed
// with its recorded_at, and checked to hash to the source's leaf, so that
// both have the same head. Returns the number of records copied. Throws a
// rule error when the destination holds records, and a storage error (the
// destination left as it was) when a record cannot be copied whole.
std::int64_t copy_log(Store& source, Store& destination);

// The timestamp `as_of` stands for: itself, or a day's last millisecond.
std::string as_of_timestamp(const std::string& as_of);

}  // namespace ledger
