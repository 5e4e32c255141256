// Filled in by the pinblock module.
export {};
