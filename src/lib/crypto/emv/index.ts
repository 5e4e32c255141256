// Filled in by the emv module.
export {};
