// Public API of core/digest. Other modules import only this file.
export {};
