// What the admin's change page shows for a stored password instead of the hash: the hasher's
// parameters in the clear, salt and hash masked as Django's mask_hash masks them.

export interface PasswordSummary {
  /** Label/value pairs such as algorithm, memory cost, salt (masked), hash (masked). */
  items: { label: string; value: string }[];
  /** Set instead of items when there is nothing to show. */
  note?: string;
}

/** Django's mask_hash: the first characters, then one "*" per hidden character. */
function mask(value: string, shown = 6): string {
  return value.slice(0, shown) + "*".repeat(Math.max(0, value.length - shown));
}

/** What the change page shows for a stored password: parameters and masked parts, never the hash. */
export function summarizePasswordHash(encoded: string): PasswordSummary {
  if (encoded === "" || encoded.startsWith("!")) return { items: [], note: "No password set." };
  const phc = encoded.startsWith("argon2$") ? encoded.slice("argon2".length) : encoded;
  const argon = /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(
    phc,
  );
  if (argon !== null) {
    const [
      ,
      variety = "",
      version = "",
      memory = "",
      time = "",
      parallelism = "",
      salt = "",
      hash = "",
    ] = argon;
    const values = [
      ["algorithm", "argon2"],
      ["variety", variety],
      ["version", version],
      ["memory cost", memory],
      ["time cost", time],
      ["parallelism", parallelism],
      ["salt", mask(salt)],
      ["hash", mask(hash)],
    ];
    return { items: values.map(([label = "", value = ""]) => ({ label, value })) };
  }
  const pbkdf2 = /^(pbkdf2_sha256|pbkdf2_sha1)\$(\d+)\$([^$]+)\$([^$]+)$/.exec(encoded);
  if (pbkdf2 !== null) {
    const [, algorithm = "", iterations = "", salt = "", hash = ""] = pbkdf2;
    const values = [
      ["algorithm", algorithm],
      ["iterations", iterations],
      ["salt", mask(salt)],
      ["hash", mask(hash)],
    ];
    return { items: values.map(([label = "", value = ""]) => ({ label, value })) };
  }
  return { items: [], note: "Invalid password format or unknown hashing algorithm." };
}
