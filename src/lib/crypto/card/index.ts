// Filled in by the card module.
export {};
