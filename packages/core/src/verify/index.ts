// Public API of core/verify. Other modules import only this file.
export {};
