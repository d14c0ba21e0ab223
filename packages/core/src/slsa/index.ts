// Public API of core/slsa. Other modules import only this file.
export {};
